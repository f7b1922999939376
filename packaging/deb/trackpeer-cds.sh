# Sourced by the trackpeer client launchers (bin/trackpeer in a build tree, /usr/bin/trackpeer
# from the package); POSIX sh, builtins only on the common path.
#
# The JVM flags favour start-up time over peak speed (docs/performance.md, section 6): C1
# only; G1 and a heap under 128 MB, with which JDK 17 maps the module graph archived in its
# CDS archive as it is (Serial GC, or a heap that moves the archived objects, rebuilds it at
# every start); no hsperfdata file; the JVM's CDS messages off, so that an archive it cannot
# use (another JVM build, other jars) is skipped without a word on standard output.
trackpeer_jvm_flags="-XX:TieredStopAtLevel=1 -XX:+UseG1GC -Xmx64m -XX:-UsePerfData \
-Xshare:auto -Xlog:cds=off,cds+dynamic=off"

# trackpeer_cds DIR CLASSPATH JAR...
# Sets trackpeer_jsa to the client's dynamic CDS archive in DIR for the java on PATH, one per
# JVM build. When it is missing or older than one of the JARs and DIR is writable, makes it
# first with a run of the client's common query path against a stand-in agent on loopback
# (org.trackpeer.client.ArchiveTraining). Empty when there is no usable archive or
# TRACKPEER_CDS=off: the client then runs the same, only slower.
trackpeer_cds() {
  trackpeer_jsa=
  [ "${TRACKPEER_CDS:-on}" != off ] || return 0
  tp_dir=$1
  tp_cp=$2
  shift 2
  # the java on PATH, found without a subshell, then its JDK: $JAVA_HOME or one under
  # /usr/lib/jvm when its bin/java is the same file (test -ef), else where readlink says
  tp_java=
  tp_ifs=$IFS
  IFS=:
  for tp_d in $PATH; do
    if [ -f "${tp_d:-.}/java" ] && [ -x "${tp_d:-.}/java" ]; then
      tp_java=${tp_d:-.}/java
      break
    fi
  done
  IFS=$tp_ifs
  [ -n "$tp_java" ] || return 0
  tp_release=
  for tp_home in "${JAVA_HOME:-/nonexistent}" /usr/lib/jvm/*; do
    if [ "$tp_home/bin/java" -ef "$tp_java" ] && [ -r "$tp_home/release" ]; then
      tp_release=$tp_home/release
      break
    fi
  done
  if [ -z "$tp_release" ]; then
    tp_java=$(readlink -f "$tp_java") || return 0
    tp_release=${tp_java%/bin/java}/release
    [ -r "$tp_release" ] || return 0
  fi
  tp_jvm=
  while IFS= read -r tp_line; do
    case $tp_line in JAVA_RUNTIME_VERSION=*) tp_jvm=${tp_line#*=} ;; esac
  done < "$tp_release"
  tp_jvm=${tp_jvm#\"}
  tp_jvm=${tp_jvm%\"}
  case $tp_jvm in '' | */*) return 0 ;; esac
  tp_jsa=$tp_dir/client-$tp_jvm.jsa
  for tp_jar; do
    if ! [ "$tp_jsa" -nt "$tp_jar" ]; then
      trackpeer_cds_make "$tp_dir" "$tp_cp" "$tp_jsa" || return 0
      break
    fi
  done
  trackpeer_jsa=$tp_jsa
}

# trackpeer_cds_make DIR CLASSPATH ARCHIVE: writes ARCHIVE (replacing those of other JVM
# builds in DIR); fails when DIR is not writable or the JVM wrote no archive.
trackpeer_cds_make() {
  mkdir -p "$1" 2>/dev/null && [ -w "$1" ] || return 1
  # shellcheck disable=SC2086 # the flags are words
  java $trackpeer_jvm_flags -XX:ArchiveClassesAtExit="$3.$$" -cp "$2" \
    org.trackpeer.client.ArchiveTraining >/dev/null 2>&1
  if ! [ -s "$3.$$" ]; then
    rm -f "$3.$$"
    return 1
  fi
  for tp_old in "$1"/client-*.jsa; do
    [ "$tp_old" = "$3" ] || rm -f "$tp_old"
  done
  mv -f "$3.$$" "$3"
}
