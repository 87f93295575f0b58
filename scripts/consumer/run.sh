#!/usr/bin/env bash
# scripts/consumer/run.sh — install fastconv into the local Maven repository, build the consumer
# project against it (offline) and run it on the module path and on the class path.
# Prints "consumer: N passed, M failed". FASTCONV_CUDA=OFF builds without CUDA;
# FASTCONV_CONSUMER_SKIP_INSTALL=1 uses what is installed already.
set -uo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
. "$here/../lib.sh"
fc_use_jdk
cd "$FASTCONV_ROOT"
pass=0; fail=0
if [ "${FASTCONV_CONSUMER_SKIP_INSTALL:-0}" != 1 ]; then
    args=(-B -q -ntp install -DskipTests "-Dfastconv.jobs=$(fc_jobs)")
    [ -n "${FASTCONV_CUDA:-}" ] && args+=("-Dfastconv.cuda=$FASTCONV_CUDA")
    echo "consumer: mvn ${args[*]}"
    mvn "${args[@]}" || { echo "consumer: mvn install failed"; echo "consumer: 0 passed, 1 failed"; exit 1; }
fi
# offline: everything the consumer needs is in the local repository now
mvn -B -q -ntp -o -f "$here/pom.xml" clean package 2>&1 || mvn -B -q -ntp -f "$here/pom.xml" clean package || {
    echo "consumer: build failed"; echo "consumer: 0 passed, 1 failed"; exit 1; }
out="$FASTCONV_ROOT/target/consumer"
lib="$out/lib"
fastjar=$(ls "$lib"/fastconv-*.jar | head -n1)
if unzip -l "$fastjar" | grep -q 'native/linux-x86_64/libfastconv.so'; then
    echo "consumer: $(basename "$fastjar") carries native/linux-x86_64/libfastconv.so"; pass=$((pass + 1))
else
    echo "consumer: $(basename "$fastjar") has no libfastconv.so"; fail=$((fail + 1))
fi
run() {  # $1 = label, rest = java arguments
    local label="$1"; shift
    local log; log=$(java "$@" 2>&1); local rc=$?
    printf '%s\n' "$log" | sed 's/^/    /'
    if [ $rc -eq 0 ] && grep -q '^consumer: ok$' <<<"$log"; then
        echo "consumer: $label: ok"; pass=$((pass + 1))
    else
        echo "consumer: $label: FAILED (exit $rc)"; fail=$((fail + 1))
    fi
}
run "module path" --enable-native-access=dev.fastconv -p "$out/consumer.jar:$fastjar" -m consumer/consumer.Main
run "class path" --enable-native-access=ALL-UNNAMED -cp "$out/consumer.jar:$fastjar" consumer.Main
# the internal packages are not exported: a module that tries to use them does not compile
tmp=$(mktemp -d)
mkdir -p "$tmp/src/probe"
printf 'module probe { requires dev.fastconv; }\n' > "$tmp/src/module-info.java"
printf 'package probe; class P { Object o = dev.fastconv.internal.Native.class; }\n' > "$tmp/src/probe/P.java"
if javac -d "$tmp/out" -p "$fastjar" "$tmp/src/module-info.java" "$tmp/src/probe/P.java" >"$tmp/log" 2>&1; then
    echo "consumer: dev.fastconv.internal is visible to modules (it must not be exported)"; fail=$((fail + 1))
else
    grep -q 'not visible\|does not export' "$tmp/log" && { echo "consumer: dev.fastconv.internal is not exported: ok"; pass=$((pass + 1)); } \
        || { echo "consumer: unexpected javac failure:"; cat "$tmp/log"; fail=$((fail + 1)); }
fi
rm -rf "$tmp"
echo "consumer: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
