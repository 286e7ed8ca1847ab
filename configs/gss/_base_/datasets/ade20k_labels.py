# ADE20K label maps for stage I (the maskige tokenizer of the GSS-FF-lean
# configs, and its reconstruction upper bound), as camvid_labels.py: label
# crops at stage II's training scales, label 0 ("other") ignored as in
# ade20k_512x512.py; the image is loaded but unused; test pipelines collect
# the ground truth because the model reconstructs it.
_base_ = './ade20k_512x512.py'
label_crop_size = (512, 512)
stage1_train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations', reduce_zero_label=True),
    dict(type='Resize', img_scale=(2048, 512), ratio_range=(0.5, 2.0)),
    dict(type='RandomCrop', crop_size=label_crop_size),
    dict(type='RandomFlip', prob=0.5),
    dict(type='Pad', size=label_crop_size, pad_val=0, seg_pad_val=255),
    dict(type='DefaultFormatBundle'),
    dict(type='Collect', keys=['img', 'gt_semantic_seg']),
]
stage1_test_pipeline = [
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
    train=dict(pipeline=stage1_train_pipeline),
    val=dict(pipeline=stage1_test_pipeline),
    test=dict(pipeline=stage1_test_pipeline))
