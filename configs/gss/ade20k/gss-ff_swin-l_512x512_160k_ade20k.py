# GSS-FF, Swin-L (22k, 384), ADE20K 512×512, 160k iterations, batch
# 4 × 8 GPUs, AdamW lr 1.2e-4. Paper: 46.29 mIoU.
# Sliding-window test with 512×512 windows, stride 341 (the crop overlap
# used for ADE20K by SETR-MLA, whose aggregation GSS builds on).
_base_ = [
    '../_base_/models/gss_ff_swin-l.py',
    '../_base_/datasets/ade20k_512x512.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_poly_160k.py'
]
model = dict(
    decode_head=dict(num_classes=150, palette='ade20k'),
    test_cfg=dict(mode='slide', crop_size=(512, 512), stride=(341, 341)))
optimizer = dict(lr=1.2e-4)
