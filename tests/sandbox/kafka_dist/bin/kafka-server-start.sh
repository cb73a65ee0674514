#!/bin/sh
# Starts a Kafka broker or controller (kafka.Kafka) on the given server.properties.
if [ $# -lt 1 ]; then
  echo "USAGE: $0 [-daemon] server.properties [--override property=value]*" >&2
  exit 1
fi
base_dir=$(cd "$(dirname "$0")/.." && pwd)
export KAFKA_LOG4J_OPTS=${KAFKA_LOG4J_OPTS:-"-Dlog4j.configuration=file:$base_dir/config/log4j.properties"}
export KAFKA_HEAP_OPTS=${KAFKA_HEAP_OPTS:-"-Xmx1G -Xms1G"}
extra=
if [ "$1" = "-daemon" ]; then extra=-daemon; shift; fi
exec "$base_dir/bin/kafka-run-class.sh" $extra -name kafkaServer kafka.Kafka "$@"
