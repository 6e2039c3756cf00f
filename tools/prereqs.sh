#!/usr/bin/env bash
# System prerequisites of the notebooks and tests: FluidSynth and the General MIDI soundfont
# (the piano chapter renders audio from scores). Checked before anything is installed, so that a
# missing package stops `make` at once with the command that installs it. Run as root with apt
# available, it installs them itself (as CI does).
set -u
sf_found() {
  [ -n "${KMNET_SOUNDFONT:-}" ] && [ -f "$KMNET_SOUNDFONT" ] && return 0
  for f in /usr/share/sounds/sf2/FluidR3_GM.sf2 /usr/share/soundfonts/FluidR3_GM.sf2 \
           /usr/share/soundfonts/FluidR3_GM2-2.sf2 /usr/local/share/soundfonts/FluidR3_GM.sf2; do
    [ -f "$f" ] && return 0
  done
  return 1
}
missing=()
command -v fluidsynth >/dev/null 2>&1 || missing+=(fluidsynth)
sf_found || missing+=(fluid-soundfont-gm)
[ ${#missing[@]} -eq 0 ] && exit 0

cmd="apt-get install -y --no-install-recommends ${missing[*]}"
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "prereqs: installing ${missing[*]} (apt-get, as root)" >&2
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive $cmd -qq >/dev/null) && exit 0
fi
cat >&2 <<MSG
prereqs: missing system packages: ${missing[*]}
  kmnet renders the piano scores to audio with FluidSynth and the FluidR3_GM soundfont.
  Install them first (Debian/Ubuntu):
      sudo apt-get update && sudo $cmd
  (Fedora: sudo dnf install fluidsynth fluid-soundfont-gm; macOS: brew install fluid-synth and
  set KMNET_SOUNDFONT to a General MIDI .sf2 file.)
MSG
exit 1
