umask 077; w=$1; shift
[ -d "$w" ] || { echo "testinfra_watch: no watch directory $w: start the loop with make watch-<service>" >&2; exit 2; }
pwd > "$w/cwd" && env -0 > "$w/env.tmp" && mv "$w/env.tmp" "$w/env" && printf '%s\0' "$@" > "$w/argv.tmp" &&
mv "$w/argv.tmp" "$w/argv" || exit 2
while [ ! -e "$w/done" ] && kill -0 "$(cat "$w/driver.pid" 2>/dev/null || echo none)" 2>/dev/null; do sleep 0.2; done
rc=130; [ -e "$w/last.rc" ] && cat "$w/last.out" && rc=$(cat "$w/last.rc")
[ -e "$w/done" ] || rm -rf -- "$w"  # the driver is gone: nobody else removes its directory
exit "$rc"
