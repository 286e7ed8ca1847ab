# MSeg zero-shot test datasets, evaluated one by one plus the harmonic mean
# of their mIoUs ('h.mean'), e.g.
#   python tools/test.py CONFIG CKPT --eval mIoU
# with a model of type MultiDomainEncoderDecoder (it maps the 194 universal
# classes to each test taxonomy). Layout: see docs/datasets.md, "MSeg".
dataset_type = 'MSegTestDataset'
mseg_root = 'data/mseg_dataset'
img_norm_cfg = dict(
    mean=[123.675, 116.28, 103.53], std=[58.395, 57.12, 57.375], to_rgb=True)
# (w, h): the shorter side goes to 512, as in training, unless the longer
# side would pass 2048.
test_scale = (2048, 512)
# mseg-api's evaluation lists, "<image> <label>" relative to mseg_root.
mseg_test_lists = {
    'voc2012': 'dataset_lists/voc2012/list/val.txt',
    'pascal-context-60': 'dataset_lists/pascal-context-60/list/val.txt',
    'camvid-11': 'dataset_lists/camvid-11/list/val.txt',
    'wilddash-19': 'dataset_lists/wilddash-19/list/val.txt',
    'kitti-19': 'dataset_lists/kitti-19/list/val.txt',
    'scannet-20': 'dataset_lists/scannet-20/list/val.txt',
}
mseg_test_pipeline = [
    dict(type='LoadImageFromFile'),
    dict(
        type='MultiScaleFlipAug',
        img_scale=test_scale,
        flip=False,
        transforms=[
            dict(type='Resize', keep_ratio=True),
            dict(type='RandomFlip'),
            dict(type='Normalize', **img_norm_cfg),
            dict(type='ImageToTensor', keys=['img']),
            # dataset_name tells the model which taxonomy to predict.
            dict(
                type='Collect',
                keys=['img'],
                meta_keys=('filename', 'ori_filename', 'ori_shape',
                           'img_shape', 'pad_shape', 'scale_factor', 'flip',
                           'flip_direction', 'img_norm_cfg', 'dataset_name')),
        ])
]
mseg_test_suite = dict(
    type='MSegTestSuite',
    datasets=[
        dict(
            type=dataset_type,
            dataset_name='voc2012',
            data_root=mseg_root,
            split=mseg_test_lists['voc2012'],
            pipeline=mseg_test_pipeline),
        dict(
            type=dataset_type,
            dataset_name='pascal-context-60',
            data_root=mseg_root,
            split=mseg_test_lists['pascal-context-60'],
            pipeline=mseg_test_pipeline),
        dict(
            type=dataset_type,
            dataset_name='camvid-11',
            data_root=mseg_root,
            split=mseg_test_lists['camvid-11'],
            pipeline=mseg_test_pipeline),
        dict(
            type=dataset_type,
            dataset_name='wilddash-19',
            data_root=mseg_root,
            split=mseg_test_lists['wilddash-19'],
            pipeline=mseg_test_pipeline),
        dict(
            type=dataset_type,
            dataset_name='kitti-19',
            data_root=mseg_root,
            split=mseg_test_lists['kitti-19'],
            pipeline=mseg_test_pipeline),
        dict(
            type=dataset_type,
            dataset_name='scannet-20',
            data_root=mseg_root,
            split=mseg_test_lists['scannet-20'],
            pipeline=mseg_test_pipeline),
    ])
# Images differ in size across datasets: test one at a time.
data = dict(
    val=mseg_test_suite,
    test=mseg_test_suite,
    test_dataloader=dict(samples_per_gpu=1),
    val_dataloader=dict(samples_per_gpu=1))
