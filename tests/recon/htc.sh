#!/usr/bin/env bash
# HTC2022 phantom "ta" (htc2022_ta_fan.h5): a fan beam, cone3d with one
# detector row, 721 views over 360 degrees, already line integrals; the
# job takes the geometry from the file's /geometry attributes ([geometry]
# attributes: source-origin 410.66 mm, source-detector 553.74 mm, pixels of
# 0.2 mm). FDK onto 512 x 512 voxels of the default size, the detector
# pixel at the rotation axis (0.2 mm / 1.3484 = 0.148322 mm), which is the
# pixel of the publishers' reference /reference/fbp: its attributes do not
# state it, but the 70 mm disc spans 472 of its 512 pixels (70 / 472 =
# 0.1483 mm; /geometry effective_pixel_mm_at_origin = 0.148322). The reference's image rows run bottom to
# top (y up), tessera's top to bottom: orientation 1 (rows flipped).
# Measured correlation 0.9976; bound 0.95.
#
# usage: htc.sh TESSERA H5CHECK VOLUME_CHECK RANKS
source "$(dirname "$0")/common.sh"
need_data htc2022_ta_fan.h5
# One rank, two threads (FDK and its residual's forward projection).
export OMP_NUM_THREADS=2
readonly DATA=$TES_SHARED_DATA/htc2022_ta_fan.h5 ROWS_FLIPPED=1 CORRELATION_BOUND=0.95
rm -f ./*.h5 ./*.log ./*.ini ./*.png

cat >htc.ini <<INI
[input]
file = $DATA
format = dxchange
values = line-integrals

[geometry]
kind = cone3d
attributes = /geometry
volume = 1,512,512
angles = file

[algorithm]
name = fdk
window = hann

[output]
volume = htc.h5
previews = htc
INI
expect "$EXIT_DONE" htc.log htc.ini --backend cpu
expect_in htc.log "geometry (/geometry of $DATA): sod 410.66 mm, odd 143.08 mm, magnification 1.3484, pixel 0.2 x 0.2 mm, voxel 0.148322 x 0.148322 x 0.148322 mm"
"$VOLUME_CHECK" corr htc.h5 "$DATA" /reference/fbp "$ROWS_FLIPPED" "$CORRELATION_BOUND" ||
  fail "correlation with the reference FBP"
[ -s htc_z.png ] || fail "no preview"
log "passed: htc2022 ta, fan beam, FDK correlates with the reference"
