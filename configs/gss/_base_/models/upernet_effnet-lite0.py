# UPerNet on an ImageNet-pretrained EfficientNet-Lite0 for CamVid-11: the
# discriminative baseline of the CamVid GSS configs, with their backbone
# (gss_ff_effnet-lite0.py) and mmseg's UPerHead (PPM pool scales 1/2/3/6,
# 64 channels) reading the same four levels as GSS's MLA.
norm_cfg = dict(type='SyncBN', requires_grad=True)
model = dict(
    type='EncoderDecoder',
    pretrained=None,
    backbone=dict(
        type='EfficientNetLite',
        arch='tf_efficientnet_lite0',
        out_indices=(1, 2, 3, 4),
        pretrained='pretrain/efficientnet_lite0_timm.pth',
        data_norm=dict(
            mean=[123.675, 116.28, 103.53],
            std=[58.395, 57.12, 57.375],
            to_rgb=True)),
    decode_head=dict(
        type='UPerHead',
        in_channels=[24, 40, 112, 320],
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6),
        channels=64,
        dropout_ratio=0.0,
        num_classes=11,
        norm_cfg=norm_cfg,
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)),
    train_cfg=dict(),
    test_cfg=dict(mode='whole'))
