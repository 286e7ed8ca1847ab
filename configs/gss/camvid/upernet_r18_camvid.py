# Discriminative baseline for gss-ff_r18_camvid.py: inherits its backbone,
# data, crop, schedule and budget, and swaps the GSS head for mmseg's
# per-pixel UPerHead (which, like GSS's MLA, reads all four levels).
_base_ = './gss-ff_r18_camvid.py'
model = dict(
    type='EncoderDecoder',
    decode_head=dict(
        _delete_=True,
        type='UPerHead',
        in_channels=[32, 64, 128, 256],
        in_index=[0, 1, 2, 3],
        pool_scales=(1, 2, 3, 6),
        channels=64,
        dropout_ratio=0.0,
        num_classes=11,
        norm_cfg={{_base_.norm_cfg}},
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)))
