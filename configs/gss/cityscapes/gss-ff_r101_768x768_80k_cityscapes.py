# GSS-FF, dilated ResNet-101, Cityscapes 768×768, 80k iterations, batch
# 2 × 8 GPUs, AdamW lr 1.5e-3 (the schedule's default). Sliding-window test,
# 768×768 windows, stride 512. Paper: 77.76 mIoU.
_base_ = [
    '../_base_/models/gss_ff_r101.py',
    '../_base_/datasets/cityscapes_768x768.py',
    '../_base_/default_runtime.py', '../_base_/schedules/adamw_poly_80k.py'
]
model = dict(
    # Decode and run X⁻¹ in tiles of 96 tokens: the same outputs, a lower
    # peak memory (docs/memory.md).
    decode_head=dict(
        num_classes=19, palette='cityscapes',
        decode_tile_size=96),
    test_cfg=dict(mode='slide', crop_size=(768, 768), stride=(512, 512)))
