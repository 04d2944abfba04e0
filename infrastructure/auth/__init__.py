"""Authentication: bearer tokens and the staff directory they are checked against."""
