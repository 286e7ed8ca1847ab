# GSS-FF, Swin-L (22k, 384), MSeg 512×512, 160k iterations, batch 4 × 8
# GPUs, AdamW lr 1.2e-4; checkpoints every 8k and evaluation every 40k
# iterations, as in the authors' config. Everything else as in the
# HRNet-W48 MSeg config. Paper: 59.49 h.mean.
_base_ = [
    '../_base_/models/gss_ff_swin-l.py',
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
checkpoint_config = dict(interval=8000)
evaluation = dict(interval=40000)
