# Stage-I reconstruction upper bound of the DALL·E dVAE on Cityscapes val
# (paper: 95.17 mIoU). Nothing trains; evaluate the converted dVAE with
#   python tools/test.py \
#       configs/gss/cityscapes/dalle_reconstruction_cityscapes.py \
#       ckp/dalle_dvae.pth --eval mIoU
# Labels are reconstructed at the full 1024×2048 (a 1024×2048 maskige
# through the dVAE, tokens on the 1/8 grid), as in the authors' protocol.
_base_ = [
    '../_base_/models/dalle_reconstruction.py',
    '../_base_/datasets/cityscapes_768x768.py', '../_base_/default_runtime.py'
]
model = dict(palette='cityscapes', num_classes=19)
# The image is loaded (mmseg's test loop expects it) but not used.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadTestAnnotations'),
    dict(
        type='MultiScaleFlipAug',
        img_scale=(2048, 1024),
        flip=False,
        transforms=[
            dict(type='Resize', keep_ratio=False),
            dict(type='ImageToTensor', keys=['img']),
            dict(type='ToTensor', keys=['gt_semantic_seg']),
            dict(type='Collect', keys=['img', 'gt_semantic_seg']),
        ])
]
data = dict(
    val=dict(pipeline=test_pipeline), test=dict(pipeline=test_pipeline))
