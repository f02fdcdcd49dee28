#!/usr/bin/env bash
# The HTML report in a real browser: headless Chromium loads the report the render
# tests write (build*/tests/artifacts/report.html), and we check from its DOM that each
# timeline is drawn with one tick per failure and per denial, and from its screenshot
# that the page is not blank and the ticks' colours are on it. The screenshot is kept
# as build*/tests/artifacts/report.png for a human to look at.
# Argument 1: the why502 binary (its directory is the build directory).
set -euo pipefail

bin=${1:?usage: html_chromium.sh BUILD_DIR/why502}
build=$(cd "$(dirname "$bin")" && pwd)
art=$build/tests/artifacts
test_render=$build/tests/test_render

fail() { echo "html_chromium: FAIL: $*" >&2; exit 1; }

[ -x "$test_render" ] || fail "$test_render not built (ninja test_render)"
browser=$(command -v chromium || command -v chromium-browser || true)
[ -n "$browser" ] || fail "chromium not installed (scripts/install-deps.sh test installs it)"

"$test_render" --gtest_filter=Html.WritesArtifacts >/dev/null || fail "test_render could not write the report"
[ -s "$art/report.html" ] && [ -s "$art/report.expect" ] || fail "no report in $art"
# shellcheck disable=SC1091
. "$art/report.expect"  # failures= denials= timelines=

profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
# No network at all: the report must not need any (its CSP forbids it anyway).
flags=(--headless --no-sandbox --disable-gpu --disable-quic --no-first-run
       --disable-background-networking --disable-component-update --disable-sync
       --hide-scrollbars --host-resolver-rules="MAP * ~NOTFOUND"
       --user-data-dir="$profile" --window-size=1200,2000)
url="file://$art/report.html"

timeout 120 "$browser" "${flags[@]}" --dump-dom "$url" >"$art/report.dom.html" 2>"$art/chromium.log" ||
    fail "chromium --dump-dom failed (see $art/chromium.log)"
count() { grep -o "$1" "$art/report.dom.html" | wc -l; }
got_fail=$(count 'class="tick failure"')
got_deny=$(count 'class="tick denial"')
got_svg=$(count '<svg ')
[ "$got_svg" -eq "$timelines" ] || fail "timelines in the DOM: $got_svg, expected $timelines"
[ "$got_fail" -eq "$failures" ] || fail "failure ticks in the DOM: $got_fail, expected $failures"
[ "$got_deny" -eq "$denials" ] || fail "denial ticks in the DOM: $got_deny, expected $denials"
! grep -qi '<script' "$art/report.dom.html" || fail "a script element in the DOM"

rm -f "$art/report.png"
timeout 120 "$browser" "${flags[@]}" --screenshot="$art/report.png" "$url" >>"$art/chromium.log" 2>&1 ||
    fail "chromium --screenshot failed (see $art/chromium.log)"
[ -s "$art/report.png" ] || fail "no screenshot"
[ "$(head -c 8 "$art/report.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] || fail "screenshot is not a PNG"
size=$(stat -c %s "$art/report.png")
[ "$size" -gt 30000 ] || fail "screenshot is $size bytes: blank page?"

# Pixels: the failure red and the denial blue of the timeline ticks are on the page,
# and the page has content (many colours). Needs python3-pil; else only the size check.
if /usr/bin/python3 -c 'import PIL' 2>/dev/null; then
    /usr/bin/python3 - "$art/report.png" <<'PY' || fail "screenshot check"
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert("RGB")
w, h = im.size
assert (w, h) == (1200, 2000), f"size {w}x{h}"
colours = im.getcolors(maxcolors=1 << 20)
assert colours and len(colours) > 50, "page looks blank"
def near(c, ref, tol=40):
    return all(abs(a - b) <= tol for a, b in zip(c, ref))
# Right of the finding cards' red left border: only the ticks (and legend) are red there.
plot = im.crop((200, 0, w, h)).getcolors(maxcolors=1 << 20)
red = sum(n for n, c in plot if near(c, (0xc6, 0x28, 0x28)))
blue = sum(n for n, c in plot if near(c, (0x15, 0x65, 0xc0)))
assert red > 100, f"no failure ticks drawn ({red} red pixels)"
assert blue > 100, f"no denial ticks drawn ({blue} blue pixels)"
print(f"screenshot {w}x{h}: {len(colours)} colours, {red} red and {blue} blue pixels")
PY
else
    echo "html_chromium: python3-pil missing: pixel check skipped"
fi
echo "html_chromium: ok: $got_svg timelines, $got_fail failure and $got_deny denial ticks; $art/report.png ($size bytes)"
