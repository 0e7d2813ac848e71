# PyInstaller hook for the stand-in PyAV (packaging/av_stub, found first through the spec's
# pathex): replaces pyinstaller-hooks-contrib's hook-av.py, which would collect every
# submodule and FFmpeg library of the real PyAV. Hooks in `hookspath` take precedence.
hiddenimports = [
    "av.frame",
    "av.packet",
    "av.rational",
    "av.audio",
    "av.audio.frame",
    "av.video",
    "av.video.frame",
    "av.video.codeccontext",
]
