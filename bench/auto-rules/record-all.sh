#!/bin/sh
# Records every stream of streams.txt into DIR (DIR/NAME.csv for a generated one, DIR/NAME.bin the
# members' predictions): sh bench/auto-rules/record-all.sh DIR, from the repository's root, after
# `npm run build`. About a minute on one core.
set -e
dir=${1:?usage: record-all.sh DIR}
mkdir -p "$dir"
grep -v '^#' bench/auto-rules/streams.txt | while read -r line; do
  flags=; case "$line" in *" -- "*) flags=${line#* -- }; line=${line%% -- *} ;; esac
  set -- $line
  name=$2 source=$3; shift 3; args=$*
  case "$source" in
    shared) file=../shared/datasets/$args ;;
    bundled) file=datasets/$args ;;
    script) file=$dir/$name.csv; node "bench/auto-rules/$args" > "$file" ;;
    *)
      file=$dir/$name.csv
      case " $args " in *" --rows "*) rows= ;; *) rows="--rows 20000" ;; esac
      # shellcheck disable=SC2086 # the generator's arguments, split on purpose
      node bin/inc-learn.js generate "$source" $args $rows > "$file" ;;
  esac
  # shellcheck disable=SC2086 # the train flags, split on purpose
  node bench/auto-rules/record.mjs "$dir/$name.bin" -- "$file" $flags -q > /dev/null
done
