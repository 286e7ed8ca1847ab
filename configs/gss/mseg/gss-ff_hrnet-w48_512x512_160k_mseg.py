# GSS-FF, HRNetV2-W48, MSeg (7 training datasets in the 194-class universal
# taxonomy) 512×512, 160k iterations, batch 4 × 8 GPUs, AdamW lr 1.2e-4.
# Tested zero-shot on MSeg's 6 test datasets with 768×768 windows, stride
# 512: per-dataset mIoU and their harmonic mean 'h.mean' (paper: 52.60).
# A pixel's test class is that of its universal argmax (class 0 if it has
# none), as the authors map with mseg-api; the opt-in
# test_cfg.taxonomy_mapping='group_max' takes each test class's best
# universal score instead.
# The auxiliary pixel head reads the token branch's MLA fusion
# (pixel_head='shared'), as in the authors' GenerativeSegHeadFFSingleFusion.
_base_ = [
    '../_base_/models/gss_ff_hrnet-w48.py',
    '../_base_/datasets/mseg_512x512.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_poly_160k.py'
]
model = dict(
    type='MultiDomainEncoderDecoder',
    # Decode and run X⁻¹ in tiles of 96 tokens: the same outputs, a lower
    # peak memory (docs/memory.md).
    decode_head=dict(
        num_classes=194, palette='mseg', pixel_head='shared',
        decode_tile_size=96),
    test_cfg=dict(mode='slide', crop_size=(768, 768), stride=(512, 512)))
optimizer = dict(lr=1.2e-4)
