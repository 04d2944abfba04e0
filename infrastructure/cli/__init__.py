"""The `lotse` command, in one place: one module per group of subcommands."""
