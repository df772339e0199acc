"""What we know about models, with no network: the catalog of names, prices and limits
(`catalog`), which request parameters each takes (`capabilities`), and counting tokens the way
each backend bills them (`token_count`). Core: imports nothing above it."""
