#!/usr/bin/env bash
# Build the one-folder desktop bundle, then run it: --version and the offscreen self-test (scan the sample).
# Usage: packaging/build.sh [python]   (default: the python on PATH; pyinstaller is installed if missing)
# Prints the bundle size and the self-test's wall time. Exit status is non-zero if any step fails.
set -euo pipefail
PYTHON="${1:-python}"
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
cd "$ROOT"
"$PYTHON" -c "import PyInstaller" 2>/dev/null || "$PYTHON" -m pip install --quiet "pyinstaller>=6.10"
"$PYTHON" packaging/icons/render_icons.py
"$PYTHON" -m PyInstaller --noconfirm --clean --log-level WARN \
    --distpath build/dist --workpath build/pyinstaller packaging/traintrace.spec
BUNDLE="build/dist/TrainTrace"
EXE="$BUNDLE/traintrace-gui"
[ -x "$EXE" ] || EXE="$BUNDLE/traintrace-gui.exe"

echo "== --version"
"$EXE" --version

echo "== offscreen self-test (opens the main window, scans the sample portfolio)"
export QT_QPA_PLATFORM=offscreen
START=$(date +%s.%N)
"$EXE" --self-test
END=$(date +%s.%N)

echo "== figures"
echo "bundle size: $(du -sh "$BUNDLE" | cut -f1) ($(find "$BUNDLE" -type f | wc -l) files)"
echo "self-test wall time (start, window, scan of the sample, exit): $(echo "$END - $START" | bc) s"
