# Workplace search in the lead form: a collaborator may type the enterprise's name.
lead-enterprise-results = Kết quả cho “{ $query }”. Vui lòng chọn doanh nghiệp, hoặc gõ mã số thuế:
lead-enterprise-none = Không tìm thấy doanh nghiệp “{ $query }”. Vui lòng gõ lại tên hoặc mã số thuế, hoặc bấm “Không biết MST”.
