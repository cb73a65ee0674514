#!/bin/sh
# Runs one of Kafka's main classes with the home's libs/ on the classpath, as the release's
# script of the same name does. Environment: JAVA_HOME, LOG_DIR, KAFKA_HEAP_OPTS,
# KAFKA_JVM_PERFORMANCE_OPTS, KAFKA_LOG4J_OPTS, KAFKA_JMX_OPTS, KAFKA_OPTS.
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] [-name servicename] classname [opts]" >&2
  exit 1
fi
base_dir=$(cd "$(dirname "$0")/.." && pwd)

daemon=
name=kafkaServer
while [ $# -gt 0 ]; do
  case "$1" in
    -daemon) daemon=1; shift ;;
    -name) name=$2; shift 2 ;;
    -loggc) shift ;;
    *) break ;;
  esac
done

LOG_DIR=${LOG_DIR:-$base_dir/logs}
mkdir -p "$LOG_DIR" 2>/dev/null
KAFKA_LOG4J_OPTS=${KAFKA_LOG4J_OPTS:-"-Dlog4j.configuration=file:$base_dir/config/tools-log4j.properties"}
KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:-"-Xmx256M"}
# Small machines run many JVMs at once: the serial collector and the C1 compiler start fastest.
KAFKA_JVM_PERFORMANCE_OPTS=${KAFKA_JVM_PERFORMANCE_OPTS:-"-server -XX:+UseSerialGC -XX:TieredStopAtLevel=1 -XX:+ExitOnOutOfMemoryError -Djava.awt.headless=true"}
if [ -n "$JAVA_HOME" ]; then JAVA="$JAVA_HOME/bin/java"; else JAVA=java; fi

# shellcheck disable=SC2086  # the *_OPTS variables are word lists by design
if [ -n "$daemon" ]; then
  nohup "$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $KAFKA_JMX_OPTS "-Dkafka.logs.dir=$LOG_DIR" \
    $KAFKA_LOG4J_OPTS -cp "$base_dir/libs/*" $KAFKA_OPTS "$@" >"$LOG_DIR/$name.out" 2>&1 </dev/null &
else
  exec "$JAVA" $KAFKA_HEAP_OPTS $KAFKA_JVM_PERFORMANCE_OPTS $KAFKA_JMX_OPTS "-Dkafka.logs.dir=$LOG_DIR" \
    $KAFKA_LOG4J_OPTS -cp "$base_dir/libs/*" $KAFKA_OPTS "$@"
fi
