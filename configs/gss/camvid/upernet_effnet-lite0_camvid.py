# Discriminative baseline for gss-ff_effnet-lite0_camvid.py: same backbone,
# data, crop, schedule and budget; mmseg's UPerHead instead of GSS.
_base_ = './gss-ff_effnet-lite0_camvid.py'
model = dict(
    type='EncoderDecoder',
    decode_head=dict(
        _delete_=True,
        type='UPerHead',
        in_channels=[24, 40, 112, 320],
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6),
        channels=64,
        dropout_ratio=0.0,
        num_classes=11,
        norm_cfg={{_base_.norm_cfg}},
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)))
