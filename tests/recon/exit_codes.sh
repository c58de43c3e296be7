#!/usr/bin/env bash
# The exit codes of tessera recon JOB: 0 done; 2 bad input (unknown key,
# missing input file, an existing output without overwrite), with nothing
# written or damaged; 3 checkpointed on a signal; and the help names them.
#
# usage: exit_codes.sh TESSERA H5CHECK VOLUME_CHECK RANKS
source "$(dirname "$0")/common.sh"
rm -f ./*.h5 ./*.log ./*.ini ./*.png ./*.jsonl

cat >sim.ini <<INI
[input]
format = simulated
views = 16

[geometry]
volume = 16

[algorithm]
name = sirt
iterations = 4

[output]
volume = sim.h5
previews = sim
metrics = sim.jsonl
INI

log "help"
"$TESSERA" recon --help 2>&1 | tr -s ' \n' '  ' >help.log || fail "tessera recon --help failed"
expect_in help.log "3 checkpointed on SIGUSR1/SIGTERM"
expect_in help.log "--checkpoint FILE"

log "0: a simulated job, every output"
expect "$EXIT_DONE" done.log sim.ini
for f in sim.h5 sim.jsonl sim_z.png sim_y.png sim_x.png sim_convergence.png; do
  [ -s "$f" ] || fail "$f not written"
done
[ "$(wc -l <sim.jsonl)" = 4 ] || fail "sim.jsonl: expected 4 lines"
"$H5CHECK" sim.h5 16,16,16 --attr job --attr geometry --attr algorithm --attr iterations \
  --attr tessera_version --attr date || fail "attributes missing"

log "2: the volume exists and overwrite is off: refused, the file unchanged"
sum=$(cksum <sim.h5)
expect "$EXIT_INPUT" exists.log sim.ini
expect_in exists.log "sim.h5"
[ "$(cksum <sim.h5)" = "$sum" ] || fail "the existing volume was changed"
expect "$EXIT_DONE" force.log sim.ini --force

log "2: an unknown key"
sed 's/^views = 16/viewz = 16/' sim.ini >typo.ini
expect "$EXIT_INPUT" typo.log typo.ini
expect_in typo.log "views"

log "2: a missing input file"
cat >missing.ini <<INI
[input]
file = no-such-file.h5

[output]
volume = missing.h5
INI
expect "$EXIT_INPUT" missing.log missing.ini
expect_in missing.log "no-such-file.h5"
[ ! -e missing.h5 ] || fail "a failed job wrote its volume"

log "2: options that belong in the job"
expect "$EXIT_INPUT" option.log sim.ini --iterations 3
expect_in option.log "--iterations: not with a job file"

log "3: checkpointed on SIGUSR1"
sed 's/= sim\b/= ck-run/' sim.ini >ck.ini
TES_CHECKPOINT_AFTER=2 expect "$EXIT_CHECKPOINTED" ck.log ck.ini --checkpoint ck.h5
[ -f ck.h5 ] || fail "no checkpoint"
[ ! -e ck-run.h5 ] && [ ! -e ck-run.jsonl ] && [ ! -e ck-run_z.png ] ||
  fail "an interrupted run left outputs (the resumed run, without --force, would be refused)"
log "0: resumed without --force; its metrics hold the iterations after the checkpoint"
expect "$EXIT_DONE" ck-resumed.log ck.ini --checkpoint ck.h5
[ "$(wc -l <ck-run.jsonl)" = 2 ] || fail "ck-run.jsonl: expected iterations 3 and 4"
[ ! -e ck.h5 ] || fail "the checkpoint was left after a finished run"
log "passed: exit codes 0, 2, 3"
