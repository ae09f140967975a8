menu-lead-new = 🏭 Báo doanh nghiệp
menu-leads-mine = 📋 Doanh nghiệp tôi theo dõi
menu-leads-unit = 🗂 Doanh nghiệp của đơn vị
menu-invite = ✉️ Mời cộng tác viên
access-denied = Xin lỗi, bạn không có quyền thực hiện việc này.
role-collaborator = cộng tác viên
role-officer = cán bộ công đoàn
role-steering = thành viên Ban Chỉ đạo
role-admin = quản trị viên
invite-welcome = Chào mừng! Bạn đã được giao vai trò <b>{ $role }</b> của { $unit }. Các chức năng mới có trong menu bên dưới.
invite-refused-unknown = Mã mời không đúng. Vui lòng xin một mã mời mới.
invite-refused-used = Mã mời này đã được sử dụng. Mỗi mã chỉ dùng được một lần.
invite-refused-expired = Mã mời này đã hết hạn. Vui lòng xin một mã mời mới.
invite-refused-revoked = Mã mời này đã bị thu hồi.
invite-ask-ward = Mời cộng tác viên cho xã, phường nào? Gõ tên xã, phường.
invite-ward-none = Không tìm thấy xã, phường “{ $query }” trong đơn vị của bạn. Vui lòng gõ lại.
invite-pick-ward = Vui lòng chọn xã, phường:
invite-created =
    Mã mời cộng tác viên cho { $unit } (dùng một lần, hạn đến { $expires }):
    { $link }
    Gửi đường link hoặc mã QR này cho chủ tịch công đoàn xã, phường.
