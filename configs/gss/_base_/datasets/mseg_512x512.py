# MSeg training: the seven relabeled training datasets in the 194-class
# universal taxonomy, each repeated to about COCO's size per epoch (MSeg's
# repeat factors), with the MSeg test suite (mseg_test.py) for val/test.
# Layout: see docs/datasets.md, "MSeg".
_base_ = './mseg_test.py'

mseg_root = 'data/mseg_dataset'
img_norm_cfg = dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
img_scale = (2048, 512)  # (w, h)
crop_size = (512, 512)  # (h, w)
samples_per_gpu = 4
workers_per_gpu = 4
train_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(type='LoadAnnotations'),
    dict(type='Resize', img_scale=img_scale, ratio_range=(0.5, 2.0)),
    dict(type='RandomCrop', crop_size=crop_size, cat_max_ratio=0.75),
    dict(type='RandomFlip', prob=0.5),
    dict(type='PhotoMetricDistortion'),
    dict(type='Normalize', **img_norm_cfg),
    dict(type='Pad', size=crop_size, pad_val=0, seg_pad_val=255),
    # Relabeled ids -> universal ids, by the sample's dataset_name; after
    # the crop, as in the authors' pipeline (cat_max_ratio counts the
    # dataset's own classes).
    dict(type='MapLabelsToUniversal'),
    dict(type='DefaultFormatBundle'),
    dict(type='Collect', keys=['img', 'gt_semantic_seg']),
]
# A list of datasets is concatenated by mmseg's build_dataset.
mseg_train_datasets = [
    dict(
        type='RepeatDataset',
        times=6,
        dataset=dict(
            type='MSegDataset',
            dataset_name='ade20k-150',
            data_root=mseg_root,
            split='dataset_lists/ade20k-150-relabeled/list/train.txt',
            pipeline=train_pipeline)),
    dict(
        type='RepeatDataset',
        times=17,
        dataset=dict(
            type='MSegDataset',
            dataset_name='bdd',
            data_root=mseg_root,
            split='dataset_lists/bdd-relabeled/list/train.txt',
            pipeline=train_pipeline)),
    dict(
        type='RepeatDataset',
        times=40,
        dataset=dict(
            type='MSegDataset',
            dataset_name='cityscapes-19',
            data_root=mseg_root,
            split='dataset_lists/cityscapes-19-relabeled/list/train.txt',
            pipeline=train_pipeline)),
    dict(
        type='RepeatDataset',
        times=1,
        dataset=dict(
            type='MSegDataset',
            dataset_name='coco-panoptic-133',
            data_root=mseg_root,
            split='dataset_lists/coco-panoptic-133-relabeled/list/train.txt',
            pipeline=train_pipeline)),
    dict(
        type='RepeatDataset',
        times=17,
        dataset=dict(
            type='MSegDataset',
            dataset_name='idd-39',
            data_root=mseg_root,
            split='dataset_lists/idd-39-relabeled/list/train.txt',
            pipeline=train_pipeline)),
    dict(
        type='RepeatDataset',
        times=7,
        dataset=dict(
            type='MSegDataset',
            dataset_name='mapillary-public65',
            data_root=mseg_root,
            split='dataset_lists/mapillary-public65-relabeled/list/train.txt',
            pipeline=train_pipeline)),
    dict(
        type='RepeatDataset',
        times=24,
        dataset=dict(
            type='MSegDataset',
            dataset_name='sunrgbd-37',
            data_root=mseg_root,
            split='dataset_lists/sunrgbd-37-relabeled/list/train.txt',
            pipeline=train_pipeline)),
]
data = dict(
    samples_per_gpu=samples_per_gpu,
    workers_per_gpu=workers_per_gpu,
    train=mseg_train_datasets)
