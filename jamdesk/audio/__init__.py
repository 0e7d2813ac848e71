"""Synchronised audio: the pygame mixer adapter, ambient layers and the music player."""
