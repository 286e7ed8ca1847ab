# Stage-I reconstruction upper bound of the DALL·E dVAE on ADE20K val
# (paper: 87.73 mIoU). Nothing trains; evaluate the converted dVAE with
#   python tools/test.py configs/gss/ade20k/dalle_reconstruction_ade20k.py \
#       ckp/dalle_dvae.pth --eval mIoU
_base_ = [
    '../_base_/models/dalle_reconstruction.py',
    '../_base_/datasets/ade20k_512x512.py', '../_base_/default_runtime.py'
]
model = dict(palette='ade20k', num_classes=150)
# Labels get the same shift as in training (0 "other" → ignored, 1..150 →
# 0..149) and the same test-time resize as the images of GSS-FF.
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadTestAnnotations', reduce_zero_label=True),
    dict(
        type='MultiScaleFlipAug',
        img_scale=(2048, 512),
        flip=False,
        transforms=[
            dict(type='Resize', keep_ratio=True),
            dict(type='RandomFlip'),
            dict(type='ImageToTensor', keys=['img']),
            dict(type='ToTensor', keys=['gt_semantic_seg']),
            dict(type='Collect', keys=['img', 'gt_semantic_seg']),
        ])
]
data = dict(
    val=dict(pipeline=test_pipeline), test=dict(pipeline=test_pipeline))
