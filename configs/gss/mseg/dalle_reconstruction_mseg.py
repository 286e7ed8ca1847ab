# Stage-I reconstruction upper bound of the DALL·E dVAE in MSeg's 194-class
# universal taxonomy (not reported in the paper): the validation splits of
# the 7 training datasets, relabeled to universal ids, each evaluated on its
# own. Nothing trains; evaluate the converted dVAE with
#   python tools/test.py configs/gss/mseg/dalle_reconstruction_mseg.py \
#       ckp/dalle_dvae.pth --eval mIoU
# (The 6 test datasets cannot be used: their classes are unions of
# universal classes, so their labels have no universal maskige.)
_base_ = [
    '../_base_/models/dalle_reconstruction.py',
    '../_base_/datasets/mseg_test.py', '../_base_/default_runtime.py'
]
model = dict(palette='mseg', num_classes=194)
test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadTestAnnotations'),
    dict(type='MapLabelsToUniversal'),
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
universal_val = [
    dict(
        type='MSegDataset',
        dataset_name=name,
        data_root='data/mseg_dataset',
        split=f'dataset_lists/{name}-relabeled/list/val.txt',
        pipeline=test_pipeline) for name in [
            'ade20k-150', 'bdd', 'cityscapes-19', 'coco-panoptic-133',
            'idd-39', 'mapillary-public65', 'sunrgbd-37'
        ]
]
data = dict(val=universal_val, test=universal_val)
