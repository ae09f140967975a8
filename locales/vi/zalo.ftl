zalo-menu-hint = Trả lời bằng số thứ tự (ví dụ 1) hoặc gõ tên lựa chọn.
zalo-type-phone = 📱 Trên Zalo, vui lòng gõ số điện thoại của bạn, ví dụ 0912 345 678.
zalo-no-such-choice = Không có lựa chọn số { $number }. Vui lòng trả lời bằng một số từ 1 đến { $last }.
zalo-no-image = (Zalo chưa hiển thị được hình ảnh này; bạn có thể xem lại trong mục của mình bất cứ lúc nào.)
zalo-file-link = Tải tệp tại:
channel-zalo = Zalo
