#!/usr/bin/env bash
# Diamond K11 k11-18014.nxs (NeXus split over three files by external
# links): 3201 uint16 frames, of which image_key selects 3001 projections,
# 100 flats and 100 darks; normalised and reconstructed (a 22 x 26 crop:
# every 10th projection, a few CGLS iterations) on 2 ranks.
#
# usage: k11.sh TESSERA H5CHECK VOLUME_CHECK RANKS
source "$(dirname "$0")/common.sh"
need_data k11-18014.nxs k11-18014
rm -f ./*.h5 ./*.log ./*.ini
cat >k11.ini <<INI
[input]
file = $TES_SHARED_DATA/k11-18014.nxs
format = nexus
data = /entry/imaging/data
image_key = /entry/instrument/imaging/image_key
angles = /entry/imaging_sum/gts_theta_value
values = counts

[geometry]
kind = parallel3d
angles = file

[preprocess]
view_step = 10

[algorithm]
name = cgls
iterations = 5

[output]
volume = k11.h5
INI
expect "$EXIT_DONE" k11.log k11.ini --backend cpu
expect_re k11.log "projections /entry/imaging/data: 3001 \(301 read\)"
expect_in k11.log "flats: 100, darks: 100"
expect_re k11.log "^cgls +5/5 "
"$H5CHECK" k11.h5 22,26,26 --attr job || fail "volume"
log "passed: k11-18014, image_key selection, normalised, reconstructed"
