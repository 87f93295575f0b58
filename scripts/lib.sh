#!/usr/bin/env bash
# Shared helpers for fastconv's scripts. Source it: `. "$(dirname "$0")/lib.sh"`.
# Finds a JDK >= 22 on its own: $JAVA_HOME if new enough, else the newest under /usr/lib/jvm.

FASTCONV_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export FASTCONV_ROOT

_fc_java_major() {  # $1 = JDK home; prints its feature version or nothing
    local rel="$1/release" v
    [ -x "$1/bin/java" ] && [ -x "$1/bin/javac" ] || return 0
    if [ -f "$rel" ]; then
        v=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$rel")
    else
        v=$("$1/bin/java" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n1)
    fi
    echo "$v"
}

fc_find_jdk() {
    local best="" best_v=0 d v
    if [ -n "${JAVA_HOME:-}" ]; then
        v=$(_fc_java_major "$JAVA_HOME")
        if [ -n "$v" ] && [ "$v" -ge 22 ]; then echo "$JAVA_HOME"; return 0; fi
    fi
    for d in /usr/lib/jvm/*; do
        [ -d "$d" ] && [ ! -L "$d" ] || continue
        v=$(_fc_java_major "$d")
        if [ -n "$v" ] && [ "$v" -ge 22 ] && [ "$v" -gt "$best_v" ]; then best="$d"; best_v="$v"; fi
    done
    if [ -z "$best" ]; then
        echo "fastconv: no JDK >= 22 found (JAVA_HOME=${JAVA_HOME:-unset}; nothing new enough under /usr/lib/jvm)." >&2
        echo "fastconv: install one (e.g. Temurin 25) or point JAVA_HOME at it." >&2
        return 1
    fi
    echo "$best"
}

fc_use_jdk() {
    local jdk
    jdk=$(fc_find_jdk) || exit 1
    export JAVA_HOME="$jdk"
    export PATH="$JAVA_HOME/bin:$PATH"
}

# The project's jar (built by `mvn package`), or nothing.
fc_jar() {
    ls "$FASTCONV_ROOT"/target/fastconv-*.jar 2>/dev/null | grep -v -e sources -e javadoc | head -n1
}

fc_jobs() { nproc 2>/dev/null || echo 2; }
