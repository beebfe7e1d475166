#!/usr/bin/env bash
# Tests the AAR layout packaging/android/build.sh --aar produces, with a
# host-built library standing in for the Android ones (--host-stand-in: the
# fake ABI `host-stand-in`). Nothing here runs on Android: this checks the
# archive's layout and contents, not that a device can load it.
#
# usage: packaging/android/test-aar.sh KOTLIN_JAR HOST_LIB
# (bindings/kotlin/run-tests.sh calls it with the jar it just built.)
# Ends with "aar: N passed, M failed"; exits non-zero on any failure.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
jar="${1:?usage: test-aar.sh KOTLIN_JAR HOST_LIB}"
lib="${2:?usage: test-aar.sh KOTLIN_JAR HOST_LIB}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
version="$(sed -n 's/^#define AUTHING_MFA_VERSION_STRING "\(.*\)"/\1/p' "$root/include/authing_mfa.h")"

passed=0
failed=0
check() {
    local name="$1" rc
    shift
    set +e
    (set -e; "$@") >"$tmp/check.log" 2>&1
    rc=$?
    set -e
    if [ "$rc" = 0 ]; then
        echo "ok     - $name"
        passed=$((passed + 1))
    else
        echo "FAILED - $name"
        sed 's/^/         | /' "$tmp/check.log" | tail -20
        failed=$((failed + 1))
    fi
}

out="$tmp/out"
aar="$out/authing-mfa-$version.aar"
list() { unzip -Z1 "$aar" | sed 's#^\./##'; }

check "build.sh --host-stand-in --aar builds the AAR and says the library is a stand-in" \
    bash -c "'$here/build.sh' --host-stand-in '$lib' --aar '$jar' --out '$out' > '$tmp/build.log' 2>&1 || { cat '$tmp/build.log'; exit 1; }; cat '$tmp/build.log'; grep -q 'NOT built for Android' '$tmp/build.log' && test -f '$aar'"
check "the AAR holds AndroidManifest.xml, classes.jar and jni/host-stand-in/libauthing_mfa.so" \
    bash -c "list=\$(unzip -Z1 '$aar' | sed 's#^\./##'); for f in AndroidManifest.xml classes.jar R.txt jni/host-stand-in/libauthing_mfa.so; do grep -qx \"\$f\" <<<\"\$list\" || { echo \"missing \$f\"; echo \"\$list\"; exit 1; }; done"
check "build.sh names the rustls-platform-verifier component at Cargo.lock's version" \
    bash -c "v=\$(grep -A1 '^name = \"rustls-platform-verifier-android\"' '$root/Cargo.lock' | sed -n 's/^version = \"\(.*\)\"/\1/p'); [ -n \"\$v\" ] && grep -qF \"implementation(\\\"rustls:rustls-platform-verifier:\$v\\\")\" '$tmp/build.log'"
check "no other ABI (nothing was built for Android) and nothing else in jni/" \
    bash -c "n=\$(unzip -Z1 '$aar' | sed 's#^\./##' | grep '^jni/.*\.so\$' | wc -l); [ \"\$n\" = 1 ]"
check "the library in the AAR is the host library, byte for byte" \
    bash -c "unzip -p '$aar' jni/host-stand-in/libauthing_mfa.so | cmp - '$lib' || unzip -p '$aar' ./jni/host-stand-in/libauthing_mfa.so | cmp - '$lib'"
check "classes.jar is the Kotlin binding (authingmfa/Client.class, the JNA mapping)" \
    bash -c "unzip -p '$aar' classes.jar > '$tmp/classes.jar' || unzip -p '$aar' ./classes.jar > '$tmp/classes.jar'; unzip -Z1 '$tmp/classes.jar' | grep -qx authingmfa/Client.class && unzip -Z1 '$tmp/classes.jar' | grep -qx authingmfa/NativeLib.class && cmp '$tmp/classes.jar' '$jar'"
check "the manifest asks for INTERNET and names the package" \
    bash -c "m=\$(unzip -p '$aar' AndroidManifest.xml 2>/dev/null || unzip -p '$aar' ./AndroidManifest.xml); grep -q 'android.permission.INTERNET' <<<\"\$m\" && grep -q 'package=\"io.github.authingmfa\"' <<<\"\$m\""
check "classes.jar carries LICENSE and THIRD_PARTY_LICENSES.md under META-INF/authing-mfa/" \
    bash -c "unzip -p '$aar' classes.jar > '$tmp/c2.jar' 2>/dev/null || unzip -p '$aar' ./classes.jar > '$tmp/c2.jar'; unzip -p '$tmp/c2.jar' META-INF/authing-mfa/LICENSE | cmp - '$root/LICENSE' && unzip -p '$tmp/c2.jar' META-INF/authing-mfa/THIRD_PARTY_LICENSES.md | cmp - '$root/THIRD_PARTY_LICENSES.md' && ! unzip -Z1 '$tmp/c2.jar' | grep -qx 'META-INF/LICENSE'"
check "proguard.txt keeps the binding, JNA and rustls-platform-verifier's JNI classes" \
    bash -c "r=\$(unzip -p '$aar' proguard.txt 2>/dev/null || unzip -p '$aar' ./proguard.txt); grep -qF -- '-keep class authingmfa.** { *; }' <<<\"\$r\" && grep -qF -- '-keep class com.sun.jna.** { *; }' <<<\"\$r\" && grep -qF -- 'class org.rustls.platformverifier.** { *; }' <<<\"\$r\""
check "the unzipped layout is there too (out/aar/jni/<abi>/libauthing_mfa.so)" \
    test -f "$out/aar/jni/host-stand-in/libauthing_mfa.so" -a -f "$out/aar/classes.jar" -a -f "$out/aar/AndroidManifest.xml"
check "--host-stand-in without --aar is refused (exit 2)" \
    bash -c "set +e; '$here/build.sh' --host-stand-in '$lib' --out '$tmp/x' >/dev/null 2>&1; [ \$? = 2 ]"
check "--aar --dry-run prints the AAR steps for every real ABI" \
    bash -c "env -u ANDROID_NDK_HOME -u ANDROID_NDK_ROOT '$here/build.sh' --aar '$jar' --dry-run --out /x > '$tmp/dry'; for a in arm64-v8a armeabi-v7a x86_64; do grep -q \"jniLibs/\$a/libauthing_mfa.so\" '$tmp/dry'; done; grep -q 'cp $jar /x/aar/classes.jar' '$tmp/dry'; grep -q 'AndroidManifest.xml' '$tmp/dry'; grep -q 'proguard.txt' '$tmp/dry'; grep -q 'authing-mfa-$version.aar' '$tmp/dry'"

echo "aar: $passed passed, $failed failed"
[ "$failed" = 0 ]
