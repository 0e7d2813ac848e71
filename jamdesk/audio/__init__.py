"""Synchronised audio (issue 6): pygame mixer adapter, ambient layers, player."""
