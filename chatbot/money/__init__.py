"""Money: prices and estimates per call (`billing`), and the caps a call is held against before it
leaves, with the spending that outlives a page (`spending`). Core: imports nothing above it."""
