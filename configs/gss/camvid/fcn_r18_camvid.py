# Discriminative baseline for gss-ff_r18_camvid.py: inherits its backbone,
# data, crop, schedule and budget, and swaps the GSS head for mmseg's
# per-pixel FCN head.
_base_ = './gss-ff_r18_camvid.py'
model = dict(
    decode_head=dict(
        _delete_=True,
        type='FCNHead',
        in_channels=256,
        in_index=3,
        channels=64,
        num_convs=1,
        concat_input=False,
        dropout_ratio=0.0,
        num_classes=11,
        norm_cfg={{_base_.norm_cfg}},
        align_corners=False,
        loss_decode=dict(type='CrossEntropyLoss', loss_weight=1.0)))
