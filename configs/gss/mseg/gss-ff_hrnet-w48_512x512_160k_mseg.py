# GSS-FF, HRNetV2-W48, MSeg (7 training datasets in the 194-class universal
# taxonomy) 512×512, 160k iterations, batch 2 × 8 GPUs. Tested zero-shot on
# MSeg's 6 test datasets: per-dataset mIoU and their harmonic mean 'h.mean'
# (paper: 52.60). The auxiliary pixel head shares the token branch's MLA
# (pixel_head='shared'), as in the authors' MSeg models.
# The paper gives no MSeg learning rate: we use ADE20K's AdamW 1.2e-4, the
# published setting closest to MSeg (same 512 crops and 160k schedule,
# mostly ADE20K/COCO-like scenes) — see docs/model_zoo.md.
# Sliding-window test, 512×512 windows with stride 341, as for ADE20K.
_base_ = [
    '../_base_/models/gss_ff_hrnet-w48.py',
    '../_base_/datasets/mseg_512x512.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_poly_160k.py'
]
model = dict(
    type='MultiDomainEncoderDecoder',
    decode_head=dict(num_classes=194, palette='mseg', pixel_head='shared'),
    test_cfg=dict(mode='slide', crop_size=(512, 512), stride=(341, 341)))
optimizer = dict(lr=1.2e-4)
