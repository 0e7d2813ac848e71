"""Use-cases shared by the GUI and the CLI: host, join, leave, and what they persist."""
