# GSS-FT-W on GSS-FF mixed cells ×4 (this project's variant; README,
# "CamVid"): the learnable X⁻¹ of gss-ft-w_effnet-lite0_256x256_2k_camvid.py
# (same architecture, data, schedule, bf16) trained on the frozen
# gss-ff-mixed-x4_effnet-lite0_256x256_2k_camvid.py model instead of the
# plain GSS-FF. Only the frozen model changes: the FT-W stage trains no
# token loss, so the mixed-cell weight plays no part in it.
_base_ = './gss-ft-w_effnet-lite0_256x256_2k_camvid.py'
load_from = 'work_dirs/gss-ff-mixed-x4_effnet-lite0_256x256_2k_camvid/latest.pth'
