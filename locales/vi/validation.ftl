## Lý do từ chối dữ liệu nhập (services/validation.py).
## Ngắn gọn, lịch sự, nói rõ cần làm gì.

## Họ và tên

invalid-name-too-short = Họ và tên quá ngắn. Vui lòng nhập đầy đủ họ và tên, ví dụ: Nguyễn Thị Lan.
invalid-name-too-long = Họ và tên quá dài (tối đa { $max } ký tự). Vui lòng nhập lại.
invalid-name-chars = Họ và tên chỉ gồm chữ cái và dấu cách, không có số hay ký hiệu. Vui lòng nhập lại, ví dụ: Nguyễn Thị Lan.

## Ngày sinh

invalid-date-format = Ngày sinh chưa đúng dạng. Vui lòng nhập theo dạng ngày/tháng/năm, ví dụ 25/03/1998.
invalid-date-impossible = Ngày này không có trên lịch. Vui lòng kiểm tra lại ngày và tháng, ví dụ 25/03/1998.
invalid-date-future = Ngày sinh không thể sau ngày hôm nay. Vui lòng kiểm tra lại năm sinh.
invalid-date-under-age = Bạn cần từ { $min_age } tuổi trở lên để gia nhập Công đoàn.
invalid-date-too-old = Năm sinh có vẻ chưa đúng (hơn { $max_age } tuổi). Vui lòng kiểm tra lại, ví dụ 25/03/1998.

## Giới tính

invalid-gender = Vui lòng bấm chọn giới tính: Nam, Nữ hoặc Khác.

## Số điện thoại

invalid-phone-format = Số điện thoại chưa đúng. Vui lòng nhập số di động gồm 10 chữ số, ví dụ 0912 345 678.
invalid-phone-too-long = Số điện thoại quá dài. Vui lòng chỉ nhập một số di động, ví dụ 0912 345 678.
invalid-phone-not-vietnamese = Vui lòng nhập số di động Việt Nam (bắt đầu bằng 0 hoặc +84), ví dụ 0912 345 678.
invalid-phone-not-mobile = Đây không phải số di động. Vui lòng nhập số điện thoại di động (không dùng số máy bàn), ví dụ 0912 345 678.

## Số căn cước công dân (CCCD)

invalid-citizen-id-chars = Số CCCD chỉ gồm chữ số. Vui lòng nhập 12 chữ số in trên thẻ căn cước của bạn.
invalid-citizen-id-length = Số CCCD phải có đúng 12 chữ số, bạn đã nhập { $count } chữ số. Vui lòng kiểm tra lại trên thẻ.
invalid-citizen-id-province = Số CCCD chưa đúng: 3 chữ số đầu không phải mã tỉnh, thành phố. Vui lòng kiểm tra lại trên thẻ.

## Mã số thuế

invalid-tax-code-format = Mã số thuế gồm 10 chữ số, hoặc 13 chữ số nếu là chi nhánh, ví dụ 0100109106 hoặc 0100109106-001. Vui lòng nhập lại.
invalid-tax-code-checksum = Mã số thuế không hợp lệ, có thể bị gõ nhầm một chữ số. Vui lòng kiểm tra lại.

## Chữ nhập tự do (nghề nghiệp, chức vụ, tên nơi làm việc)

invalid-text-too-short = Nội dung quá ngắn. Vui lòng nhập ít nhất { $min } ký tự.
invalid-text-too-long = Nội dung quá dài. Vui lòng nhập tối đa { $max } ký tự.
invalid-text-chars = Nội dung có ký tự không hợp lệ. Vui lòng chỉ nhập chữ, số và dấu câu thông thường.
invalid-text-markup = Nội dung có mã định dạng không được hỗ trợ. Vui lòng nhập lại bằng chữ bình thường.

## Số nguyên (số lao động, số năm)

invalid-count-format = Vui lòng chỉ nhập một số nguyên, ví dụ 40.
invalid-count-too-small = Số này phải từ { $min } trở lên.
invalid-count-too-large = Số này quá lớn (tối đa { $max }). Vui lòng kiểm tra lại.

## Ngày hẹn (theo dõi, liên hệ lại)

invalid-due-date-format = Ngày chưa đúng dạng. Vui lòng nhập theo dạng ngày/tháng/năm, ví dụ 15/12/2026.
invalid-due-date-impossible = Ngày này không có trên lịch. Vui lòng kiểm tra lại ngày và tháng.
invalid-due-date-past = Ngày hẹn đã qua. Vui lòng chọn hôm nay hoặc một ngày sau.
invalid-due-date-too-far = Ngày hẹn quá xa. Vui lòng chọn trong vòng { $days } ngày tới.

invalid-name-needs-letters = Tên phải có chữ cái. Vui lòng nhập lại tên, ví dụ: Công ty TNHH May Tân Phong.
invalid-phone-prefix = Đầu số này không phải số di động Việt Nam. Vui lòng kiểm tra lại, ví dụ 0912 345 678.
invalid-years = Vui lòng nhập số năm hoạt động (từ 0 đến { $max }) hoặc năm thành lập (ví dụ 2019, không quá { $year }).

## Kỳ báo cáo (số liệu kết nạp trên giấy)

invalid-period-format = Vui lòng nhập tuần hoặc tháng, ví dụ 2026-W47 (tuần 47 năm 2026) hoặc 11/2026.
invalid-period-year = Năm có vẻ chưa đúng: kỳ báo cáo bắt đầu từ năm { $min }. Vui lòng kiểm tra lại.
invalid-period-week = Năm { $year } chỉ có tuần 1 đến tuần { $weeks }. Vui lòng kiểm tra số tuần.
invalid-period-month = Tháng chỉ từ 1 đến 12. Vui lòng kiểm tra lại, ví dụ 11/2026.
invalid-period-future = Kỳ này chưa bắt đầu. Vui lòng nhập tuần này, tháng này hoặc kỳ trước đó.
invalid-part-too-large = Số này không thể lớn hơn { $whole } CĐCS đã thành lập. Vui lòng kiểm tra lại.
