"""Jamdesk's resources (style sheet, icons, sounds), installed as ``jamdesk.resources``."""
