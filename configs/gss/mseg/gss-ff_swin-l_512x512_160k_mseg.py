# GSS-FF, Swin-L (22k, 384), MSeg 512×512, 160k iterations, batch 2 × 8
# GPUs, AdamW lr 1.2e-4; everything else as in the HRNet-W48 MSeg config.
# Paper: 59.49 h.mean.
_base_ = [
    '../_base_/models/gss_ff_swin-l.py',
    '../_base_/datasets/mseg_512x512.py', '../_base_/default_runtime.py',
    '../_base_/schedules/adamw_poly_160k.py'
]
model = dict(
    type='MultiDomainEncoderDecoder',
    decode_head=dict(num_classes=194, palette='mseg', pixel_head='shared'),
    test_cfg=dict(mode='slide', crop_size=(512, 512), stride=(341, 341)))
optimizer = dict(lr=1.2e-4)
