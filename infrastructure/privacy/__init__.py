"""Privacy: the key vault (one data key per client, crypto-shredding on erasure) and the retention of personal data."""
