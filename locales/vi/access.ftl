menu-lead-new = 🏭 Báo doanh nghiệp
menu-leads-mine = 📋 Doanh nghiệp tôi theo dõi
menu-leads-unit = 🗂 Doanh nghiệp của đơn vị
menu-invite = ✉️ Mời cộng tác viên
access-denied = Xin lỗi, bạn không có quyền thực hiện việc này.
