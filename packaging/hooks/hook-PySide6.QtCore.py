# PySide6's own hook for this module, less the Qt plugins and translations Jamdesk never
# loads (packaging/bundle_rules.py; jamdesk.spec puts packaging/ on sys.path).
from bundle_rules import qt_hook

hiddenimports, binaries, datas = qt_hook(__file__)
