"""The PySide6 GUI on the qasync loop. Views render state and send commands through ``app``."""
