"""The event store: the backend chosen by settings, recorders that write beside each event, the mapper that seals
personal data, Lotse's tables beside the events, and the schema's migrations."""
