# Shared by every form: cancelling, and searching.
form-cancel-confirm = Bạn muốn hủy? Những gì bạn đã nhập sẽ bị xóa.
form-cancel-yes = ✖️ Hủy và xóa
form-cancel-no = ↩️ Tiếp tục điền
form-nothing-to-cancel = Hiện không có việc gì đang làm dở để hủy.
form-query-too-short = Vui lòng gõ ít nhất 2 ký tự để tìm.
form-query-too-long = Nội dung tìm kiếm quá dài (tối đa { $max } ký tự). Vui lòng gõ ngắn hơn, ví dụ vài chữ trong tên.
