#!/bin/sh
# Records every stream of streams.txt into DIR (DIR/NAME.csv for a generated one, DIR/NAME.bin the
# members' predictions): sh bench/auto-rules/record-all.sh DIR, from the repository's root, after
# `npm run build`. About a minute on one core.
set -e
dir=${1:?usage: record-all.sh DIR}
mkdir -p "$dir"
grep -v '^#' bench/auto-rules/streams.txt | while read -r set name source args; do
  if [ "$source" = shared ]; then file=../shared/datasets/$args; else
    file=$dir/$name.csv
    case " $args " in *" --rows "*) rows= ;; *) rows="--rows 20000" ;; esac
    # shellcheck disable=SC2086 # the generator's arguments, split on purpose
    node bin/inc-learn.js generate "$source" $args $rows > "$file"
  fi
  node bench/auto-rules/record.mjs "$dir/$name.bin" -- "$file" -q > /dev/null
done
