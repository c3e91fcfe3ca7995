#!/usr/bin/env bash
# Debian packages the build and the tests need: Pango/HarfBuzz for WeasyPrint (PDF),
# poppler-utils for the PDF checks (pdffonts, pdfinfo, pdftoppm), Chromium and its
# WebDriver for the browser tests (tests/browser.py; one source package, so their versions
# agree), the report's font for the browser (IPAexGothic, as in the PDF) and npm for
# axe-core (tools/axe). Installed when missing and we are root; otherwise we stop and say
# exactly what to install.
set -euo pipefail
packages=(libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 poppler-utils
          chromium chromium-driver fonts-ipaexfont-gothic)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# npm may come with a nodejs package of another origin: only the command matters.
command -v npm >/dev/null || missing+=(npm)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "error: missing Debian packages: ${missing[*]}" >&2
  echo "install them with: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
