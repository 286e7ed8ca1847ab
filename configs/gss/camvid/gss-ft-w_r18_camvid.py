# GSS-FT-W on CamVid: the learnable X⁻¹ trained on maskiges decoded from the
# tokens predicted by the frozen GSS-FF model of gss-ff_r18_camvid.py.
_base_ = './gss-ff_r18_camvid.py'
model = dict(
    backbone=dict(frozen_stages=4, norm_eval=True),
    decode_head=dict(
        type='GSSFTWHead',
        # the tokenizer's weights come with the GSS-FF checkpoint (load_from)
        tokenizer=dict(checkpoint=None),
        post_seg_channel=64,
        post_swin_depth=1,
        post_swin_num_heads=4,
        post_swin_window_size=7))
load_from = 'work_dirs/gss-ff_r18_camvid/latest.pth'
optimizer = dict(lr=1e-3)
runner = dict(max_iters=300)
checkpoint_config = dict(interval=300)
evaluation = dict(interval=300)
