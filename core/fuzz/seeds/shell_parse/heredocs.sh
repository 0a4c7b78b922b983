cat > src/a.ts <<'EOF'
export const a = `${b}`;
rm -rf / # not run
EOF
cat <<-END | sh
	rm -rf build
	END
