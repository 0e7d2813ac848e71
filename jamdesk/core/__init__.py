"""The Jamdesk domain, pure: no I/O, no clocks, no asyncio, no Qt.

Every function here takes the time it needs as an argument (room-clock milliseconds), so host,
members, tests and Ghost Replay all compute the same answers from the same inputs.
"""
