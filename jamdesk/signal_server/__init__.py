"""``jamdesk signal``, the deployable signalling server for internet jams: rooms and joins,
relay sessions, STUN/TURN servers for clients, and clustering through Redis."""
